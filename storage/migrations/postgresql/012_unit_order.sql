-- Twin of ../012_unit_order.sql.
ALTER TABLE units ADD COLUMN sort_order INTEGER;
UPDATE units SET sort_order = id;

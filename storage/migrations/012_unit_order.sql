-- Where each unit stands in the imported list: the province's official order, which the printed
-- workbook follows (alphabetical order puts "Thành phố" and "Thị xã" amid the districts).
ALTER TABLE units ADD COLUMN sort_order INTEGER;
-- Units imported before the order was kept: their ids follow the file, parents before children and
-- siblings in file order, since the importer writes them that way.
UPDATE units SET sort_order = id;

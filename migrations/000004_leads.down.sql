DROP TABLE lead_imports;
DROP TABLE lead_events;
DROP TABLE leads;

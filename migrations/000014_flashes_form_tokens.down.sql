DROP TABLE form_tokens;
DROP TABLE flashes;

-- When the "launching tomorrow" event of a campaign was recorded: once per
-- launch date, however many instances run the hourly job. Moving the launch
-- date clears it, so the new date is told too.
ALTER TABLE campaigns ADD COLUMN launch_told_at timestamptz;

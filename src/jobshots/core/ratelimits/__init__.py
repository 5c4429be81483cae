"""Rate limits: requests counted per caller and window, in the database every process shares."""

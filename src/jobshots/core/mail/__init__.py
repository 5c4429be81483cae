"""Case-note e-mail: sending notes to a job's parties and threading their replies back."""

"""Server-rendered pages: the public job report and the web app's job page."""

"""`dojo lab`: the course as a JupyterLab workspace (lessons, exercises, a start page)."""

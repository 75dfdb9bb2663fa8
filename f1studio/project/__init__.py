"""Project files (.f1s), safe image import and PNG export. No Qt, no torch."""

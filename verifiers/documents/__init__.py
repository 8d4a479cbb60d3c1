"""Reading merchants' documents: intake, OCR or text layer, classification, field extraction."""

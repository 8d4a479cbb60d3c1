"""Sample certificates: page model, layouts, variants and the generator."""

"""The gateway's versioned copy of regulator filing data (design §6)."""

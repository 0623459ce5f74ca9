// Placeholder: replaced by the TUN device implementation.

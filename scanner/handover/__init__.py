"""The handover: packages of personal data for a recipient (encrypted, signed) and the seller's workflow around them."""

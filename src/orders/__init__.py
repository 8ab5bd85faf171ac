"""Orders: the one execution model (fills, costs, funding, margin), sizing and gates."""

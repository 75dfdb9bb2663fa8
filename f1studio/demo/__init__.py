"""A tiny offline demo: a procedural shapes world for a small diffusion model."""

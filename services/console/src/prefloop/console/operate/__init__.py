"""The operate page: versions, acceptance over time and the registry's controls, behind the admin token."""

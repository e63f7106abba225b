"""Service functions: everything the API and the console do, as plain calls on a Central."""

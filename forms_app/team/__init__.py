"""The team: who works in the workspace, in which role, and how they join (invitations)."""

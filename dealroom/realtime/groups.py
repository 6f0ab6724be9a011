"""Names of live groups. One group per scope a socket can watch."""


def workspace_group(workspace_id: int) -> str:
    return f"workspace-{workspace_id}"

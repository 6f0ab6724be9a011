"""Names of live groups. One group per scope a socket can watch."""


def workspace_group(workspace_id: int) -> str:
    return f"workspace-{workspace_id}"


def target_group(target_type: str, target_id: int) -> str:
    """Sockets watching one record (a room page watches its room): "target-rooms.room-5"."""
    return f"target-{target_type}-{target_id}"


def user_group(workspace_id: int, user_id: int) -> str:
    """Every room socket of one member (closed when their membership ends)."""
    return f"user-{workspace_id}-{user_id}"

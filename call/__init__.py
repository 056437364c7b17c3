"""The call engine, without Qt: the signaling link to the hub, peers, media and stats."""

"""The Madoguchi signaling hub: protocol, switchboard, server, auth and store."""

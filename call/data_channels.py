"""The content and paper data channels on an aiortc peer connection: opened by the offering side,
told apart by their label and sub-protocol. Their wire format, free of aiortc, is
`call.content_messages`."""

from __future__ import annotations

from aiortc import RTCDataChannel, RTCPeerConnection

from call.content_messages import CHANNEL_LABEL, CHANNEL_PROTOCOL, PAPER_CHANNEL_LABEL


def create_content_channel(pc: RTCPeerConnection) -> RTCDataChannel:
    """Open the content channel on the offering side; the answerer gets it as "datachannel"."""
    return pc.createDataChannel(CHANNEL_LABEL, ordered=True, protocol=CHANNEL_PROTOCOL)


def is_content_channel(channel: RTCDataChannel) -> bool:
    return channel.label == CHANNEL_LABEL and channel.protocol == CHANNEL_PROTOCOL


def create_paper_channel(pc: RTCPeerConnection) -> RTCDataChannel:
    """Open the paper channel on the offering side: the content channel's wire format, the other
    way round, so the citizen's still of a paper travels as staff's pages do."""
    return pc.createDataChannel(PAPER_CHANNEL_LABEL, ordered=True, protocol=CHANNEL_PROTOCOL)


def is_paper_channel(channel: RTCDataChannel) -> bool:
    return channel.label == PAPER_CHANNEL_LABEL and channel.protocol == CHANNEL_PROTOCOL

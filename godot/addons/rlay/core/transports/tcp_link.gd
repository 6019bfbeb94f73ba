## tcp:// with StreamPeerTCP (desktop builds; a web build has no TCP): frames are
## a u32 little-endian length and that many bytes. [method dial] connects out
## (ServerEnv); [code]TcpListener[/code] hands out accepted links (ClientEnv).
extends "res://addons/rlay/core/transports/link.gd"

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")

var _peer: StreamPeerTCP
var _pending := PackedByteArray()
var _frames: Array[PackedByteArray] = []
var _closed := false


func dial(host: String, port: int) -> bool:
	description = "tcp %s:%d" % [host, port]
	_peer = StreamPeerTCP.new()
	var error := _peer.connect_to_host(host, port)
	if error != OK:
		fail("cannot dial %s: %s" % [description, error_string(error)])
		return false
	_peer.set_no_delay(true)
	return true


## Wrap a connection TCPServer accepted.
func adopt(peer: StreamPeerTCP) -> void:
	_peer = peer
	_peer.set_no_delay(true)
	description = "tcp %s:%d" % [peer.get_connected_host(), peer.get_connected_port()]


func poll() -> void:
	if _closed or _peer == null or not failure.is_empty():
		return
	_peer.poll()
	if _peer.get_status() != StreamPeerTCP.STATUS_CONNECTED:
		return
	opened = true
	var available := _peer.get_available_bytes()
	if available > 0:
		var chunk := _peer.get_partial_data(available)
		if chunk[0] != OK:
			fail("%s: %s" % [description, error_string(chunk[0])])
			return
		_pending.append_array(chunk[1])
	while _pending.size() >= 4:
		var size := _pending.decode_u32(0)
		if size > max_frame_size:
			# Refused from the prefix alone: the body is never read or allocated.
			fail(
				"a frame of %d bytes is above the maximum of %d" % [size, max_frame_size],
				V1.ErrorCode.ERROR_CODE_FRAME_TOO_LARGE
			)
			return
		if _pending.size() < 4 + size:
			return
		_frames.append(_pending.slice(4, 4 + size))
		_pending = _pending.slice(4 + size)


func status() -> int:
	if _closed or _peer == null or not failure.is_empty():
		return CLOSED
	match _peer.get_status():
		StreamPeerTCP.STATUS_CONNECTING:
			return CONNECTING
		StreamPeerTCP.STATUS_CONNECTED:
			return OPEN
	return CLOSED


func receive() -> Variant:
	return null if _frames.is_empty() else _frames.pop_front()


func send(frame: PackedByteArray) -> bool:
	if status() != OPEN:
		return false
	var header := PackedByteArray()
	header.resize(4)
	header.encode_u32(0, frame.size())
	header.append_array(frame)
	var error := _peer.put_data(header)
	if error != OK:
		fail("cannot send to %s: %s" % [description, error_string(error)])
		return false
	return true


func close() -> void:
	if not _closed:
		_closed = true
		if _peer != null:
			_peer.disconnect_from_host()

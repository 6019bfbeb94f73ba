## ws:// dialled with WebSocketPeer: one binary message per rlay frame. The one
## transport a game in a web browser has; desktop builds can use it too.
##
## [codeblock]
## var link := WsLink.new()
## link.dial("ws://127.0.0.1:5555")
## # every frame: link.poll(); var frame = link.receive()
## [/codeblock]
extends "res://addons/rlay/core/transports/link.gd"

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")

var _peer := WebSocketPeer.new()
var _closed := false


func dial(url: String) -> bool:
	description = url
	# Buffers that hold a whole frame of the largest size sent in practice; the
	# browser's own WebSocket does its buffering on the web.
	_peer.inbound_buffer_size = mini(max_frame_size, 64 * 1024 * 1024) + 1024
	_peer.outbound_buffer_size = mini(max_frame_size, 64 * 1024 * 1024) + 1024
	_peer.max_queued_packets = 4096
	var error := _peer.connect_to_url(url)
	if error != OK:
		fail("cannot dial %s: %s" % [url, error_string(error)])
		return false
	return true


func poll() -> void:
	if not _closed:
		_peer.poll()
		opened = opened or _peer.get_ready_state() == WebSocketPeer.STATE_OPEN


func status() -> int:
	if _closed or not failure.is_empty():
		return CLOSED
	match _peer.get_ready_state():
		WebSocketPeer.STATE_CONNECTING:
			return CONNECTING
		WebSocketPeer.STATE_OPEN:
			return OPEN
	return CLOSED


func receive() -> Variant:
	if _closed or _peer.get_available_packet_count() == 0:
		return null
	var frame := _peer.get_packet()
	if _peer.was_string_packet():
		fail("a text message; rlay frames are binary", V1.ErrorCode.ERROR_CODE_PROTOCOL)
		return null
	if frame.size() > max_frame_size:
		fail("a frame of %d bytes is above the maximum" % frame.size())
		return null
	return frame


func send(frame: PackedByteArray) -> bool:
	if status() != OPEN:
		return false
	var error := _peer.send(frame, WebSocketPeer.WRITE_MODE_BINARY)
	if error != OK:
		fail("cannot send %d bytes: %s" % [frame.size(), error_string(error)])
		return false
	return true


func close_code() -> int:
	return _peer.get_close_code()


func close() -> void:
	if not _closed:
		_closed = true
		_peer.close()

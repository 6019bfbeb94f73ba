## One connection that carries rlay frames, polled from the game loop (never blocks).
##
## [method poll] moves bytes; [method receive] returns the next whole frame or
## null; [method send] queues one. A link that fails sets [member failure]
## (and [member failure_code], an ErrorCode when the peer should be told why)
## and reports [constant CLOSED].
extends RefCounted

enum { CONNECTING, OPEN, CLOSED }

## Frames above this size are refused before their body is read.
const DEFAULT_MAX_FRAME_SIZE := 256 * 1024 * 1024

var description := ""
var max_frame_size := DEFAULT_MAX_FRAME_SIZE
## True once the connection was open (a dial that never got there may be retried).
var opened := false
var failure := ""
var failure_code := 0


func poll() -> void:
	pass


func status() -> int:
	return CLOSED


func receive() -> Variant:
	return null


func send(_frame: PackedByteArray) -> bool:
	return false


func close() -> void:
	pass


func fail(reason: String, code: int = 0) -> void:
	if failure.is_empty():
		failure = reason
		failure_code = code

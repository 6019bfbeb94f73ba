## Addresses (the same text as the other bindings): tcp://HOST:PORT, ws://HOST:PORT.
## [method dial] opens the right link; web builds can dial ws:// only.
extends RefCounted

const WsLink = preload("res://addons/rlay/core/transports/ws_link.gd")
const TcpLink = preload("res://addons/rlay/core/transports/tcp_link.gd")


## [scheme, host, port] or a String with the reason the text is no address.
static func parse(text: String) -> Variant:
	var stripped := text.strip_edges()
	var at := stripped.find("://")
	if at < 0:
		return "%s has no scheme; expected tcp://HOST:PORT or ws://HOST:PORT" % text
	var scheme := stripped.substr(0, at).to_lower()
	if scheme not in ["tcp", "ws"]:
		return "%s: the scheme %s is not tcp or ws" % [text, scheme]
	var rest := stripped.substr(at + 3)
	var colon := rest.rfind(":")
	if colon < 0 or not rest.substr(colon + 1).is_valid_int():
		return "%s: missing :PORT" % text
	var host := rest.substr(0, colon).trim_prefix("[").trim_suffix("]")
	var port := rest.substr(colon + 1).to_int()
	if port < 0 or port > 65535:
		return "%s: the port is not 0..65535" % text
	return [scheme, host if host else "127.0.0.1", port]


## A link dialling address, or a String with the reason it cannot.
static func dial(text: String, max_frame_size: int) -> Variant:
	var parsed: Variant = parse(text)
	if parsed is String:
		return parsed
	if parsed[0] == "ws":
		var ws := WsLink.new()
		ws.max_frame_size = max_frame_size
		var host: String = "[%s]" % parsed[1] if parsed[1].contains(":") else parsed[1]
		return ws if ws.dial("ws://%s:%d/" % [host, parsed[2]]) else ws.failure
	if OS.has_feature("web"):
		return "%s: a web build can dial ws:// only (browsers have no TCP)" % text
	var tcp := TcpLink.new()
	tcp.max_frame_size = max_frame_size
	return tcp if tcp.dial(parsed[1], parsed[2]) else tcp.failure

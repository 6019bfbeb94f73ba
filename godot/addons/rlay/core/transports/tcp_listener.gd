## A TCP listener for desktop builds (ClientEnv dials the game): each accepted
## connection becomes a tcp link. Web builds cannot listen.
##
## [codeblock]
## var listener := TcpListener.new()
## if listener.listen("127.0.0.1", 5555): print("listening on ", listener.port)
## # every frame: var link = listener.accept()   # null while nobody came
## [/codeblock]
extends RefCounted

const TcpLink = preload("res://addons/rlay/core/transports/tcp_link.gd")

var port := 0
var failure := ""
var _server := TCPServer.new()


func listen(host: String, wanted_port: int) -> bool:
	var error := _server.listen(wanted_port, host)
	if error != OK:
		failure = "cannot listen on %s:%d: %s" % [host, wanted_port, error_string(error)]
		return false
	port = _server.get_local_port()
	return true


func accept() -> TcpLink:
	if not _server.is_listening() or not _server.is_connection_available():
		return null
	var link := TcpLink.new()
	link.adopt(_server.take_connection())
	return link


func close() -> void:
	_server.stop()

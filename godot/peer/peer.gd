## The conformance peer (conformance/PEERS.md) inside the Godot engine.
##
## In a web page it serves many sessions: the harness (godot/harness/engine.mjs
## serve) pushes jobs, JSON {"id", "env", "mode", "address", "token"}, into
## window.rlayJobs; each job dials its address over ws:// and serves one session
## with fresh environments, several at once. Its log lines and its end,
## "EXIT <code>" (0 after close, 1 after a failed session, 2 for a job this
## engine cannot run), are printed as "[job N] ...". Outside a web page it
## serves the one job of its command line (--env NAME --mode dial --address
## ADDR [--token T]) and quits with that exit code.
extends Node

const Address = preload("res://addons/rlay/core/transports/address.gd")
const EnvSession = preload("res://addons/rlay/core/env_session.gd")
const Envs = preload("res://peer/envs.gd")
const Link = preload("res://addons/rlay/core/transports/link.gd")

## How long a dialling peer retries while nothing listens (PEERS.md).
const DIAL_RETRY_MS := 10000
const MAX_FRAME_SIZE := 64 * 1024 * 1024


class Job:
	extends RefCounted
	var id := 0
	var env_name := ""
	var address := ""
	var token := ""
	var session: EnvSession
	var link: Link
	var started_ms := 0
	var next_dial_ms := 0


var _jobs: Array[Job] = []
var _web := OS.has_feature("web")


func _ready() -> void:
	# Nothing here is drawn (control's frames are computed): no frame costs a render.
	RenderingServer.render_loop_enabled = false
	if _web:
		return
	var options := {}
	var user_args := OS.get_cmdline_user_args()
	for i in range(0, user_args.size() - 1, 2):
		options[user_args[i].trim_prefix("--")] = user_args[i + 1]
	_start(
		{
			"id": 0,
			"env": options.get("env", ""),
			"mode": options.get("mode", ""),
			"address": options.get("address", ""),
			"token": options.get("token", ""),
		}
	)


func _log(job_id: int, text: String) -> void:
	if _web:
		printerr("[job %d] %s" % [job_id, text])
	else:
		printerr(text)


func _exit(job_id: int, code: int) -> void:
	if _web:
		print("[job %d] EXIT %d" % [job_id, code])
	else:
		get_tree().quit(code)


func _start(request: Dictionary) -> void:
	var job := Job.new()
	job.id = int(request.get("id", 0))
	job.env_name = str(request.get("env", ""))
	job.address = str(request.get("address", ""))
	job.token = str(request.get("token", ""))
	if str(request.get("mode", "")) != "dial" or not job.address.begins_with("ws://"):
		_log(job.id, "this engine can only dial ws:// (a web build cannot listen or use tcp)")
		_exit(job.id, 2)
		return
	if Envs.create(job.env_name) == null:
		_log(job.id, "unknown environment %s" % job.env_name)
		_exit(job.id, 2)
		return
	job.started_ms = Time.get_ticks_msec()
	if _dial(job):
		_jobs.append(job)


func _dial(job: Job) -> bool:
	var link: Variant = Address.dial(job.address, MAX_FRAME_SIZE)
	if link is String:
		_log(job.id, link)
		_exit(job.id, 1)
		return false
	job.link = link
	job.session = EnvSession.new(link, Envs.create(job.env_name), job.token)
	return true


func _process(_delta: float) -> void:
	if _web:
		_take_jobs()
	for job in _jobs.duplicate():
		_serve(job)


func _take_jobs() -> void:
	var text: Variant = JavaScriptBridge.eval("(window.rlayJobs || []).splice(0).join('\\n')", true)
	if not text is String or text.is_empty():
		return
	for line in text.split("\n", false):
		var request: Variant = JSON.parse_string(line)
		if request is Dictionary:
			_start(request)


func _serve(job: Job) -> void:
	# Nothing listens yet: dial again, for up to DIAL_RETRY_MS (PEERS.md).
	if job.session.spec == null and not job.link.opened:
		job.link.poll()
		var refused := job.link.status() == Link.CLOSED and job.link.failure_code == 0
		var now := Time.get_ticks_msec()
		if refused and now - job.started_ms < DIAL_RETRY_MS:
			if now >= job.next_dial_ms:
				job.next_dial_ms = now + 100
				job.link.close()
				_dial(job)
			return
	if job.session.poll():
		return
	_jobs.erase(job)
	var session := job.session
	var clean := session.end == EnvSession.End.CLOSED
	_log(
		job.id,
		(
			"session ended: %s (frames %d, physics frames %d, %d ms)"
			% [
				session.end_message,
				Engine.get_process_frames(),
				Engine.get_physics_frames(),
				Time.get_ticks_msec()
			]
		)
	)
	_exit(job.id, 0 if clean else 1)

## Runs every test_* method of the test scripts, prints one line per failure and a
## summary, and quits with the number of failed tests (0: all passed).
##
## A test reports through the Check object it receives: check.equal(a, b, what),
## check.truth(condition, what). A test that records no check at all fails, so a
## test cannot pass by doing nothing.
extends Node

const SCRIPTS: Array[String] = [
	"res://tests/test_proto_wire.gd",
	"res://tests/test_vectors.gd",
	"res://tests/test_scripts_load.gd",
	"res://tests/test_agent_session.gd",
	"res://tests/test_agent_roster.gd",
]


class Check:
	extends RefCounted
	var failures: Array[String] = []
	var count := 0

	func truth(condition: bool, what: String) -> void:
		count += 1
		if not condition:
			failures.append(what)

	func equal(actual: Variant, expected: Variant, what: String) -> void:
		count += 1
		if typeof(actual) != typeof(expected) or actual != expected:
			failures.append("%s: got %s, expected %s" % [what, str(actual), str(expected)])


func _ready() -> void:
	var only := ""
	for argument in OS.get_cmdline_user_args():
		if argument.begins_with("--only="):
			only = argument.trim_prefix("--only=")
	var failed := 0
	var passed := 0
	for path in SCRIPTS:
		var script: GDScript = load(path)
		if script == null or not script.can_instantiate():
			failed += 1
			printerr("FAIL %s: the script does not load" % path)
			continue
		var suite: Object = script.new()
		for method in suite.get_method_list():
			var test_name: String = method["name"]
			if not test_name.begins_with("test_") or (only and not test_name.contains(only)):
				continue
			var check := Check.new()
			suite.call(test_name, check)
			if check.count == 0:
				check.failures.append("the test checked nothing")
			if check.failures.is_empty():
				passed += 1
				continue
			failed += 1
			for failure in check.failures:
				printerr("FAIL %s %s: %s" % [path.get_file(), test_name, failure])
	print("godot tests: %d passed, %d failed" % [passed, failed])
	get_tree().quit(mini(failed, 100) if passed > 0 or failed > 0 else 101)

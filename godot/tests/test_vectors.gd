## The generated codec against the golden vectors of conformance/vectors: every
## vector decodes, re-encodes to the very same bytes, and every cut-short vector
## is refused (never accepted whole, never a crash).
extends RefCounted

const V1 = preload("res://addons/rlay/generated/rlay_v1.gd")
const INDEX := "res://vectors/index.txt"


func _vectors() -> Array[PackedStringArray]:
	var rows: Array[PackedStringArray] = []
	for line in FileAccess.get_file_as_string(INDEX).split("\n", false):
		rows.append(line.split(" "))
	return rows


func _class_of(message: String) -> Variant:
	var short := message.trim_prefix("rlay.v1.")
	var script: Script = V1
	var classes := script.get_script_constant_map()
	return classes.get(short, classes.get("Rlay" + short))


func test_every_vector_round_trips_byte_for_byte(check: Variant) -> void:
	var rows := _vectors()
	check.truth(rows.size() >= 90, "the index lists the vectors (%d)" % rows.size())
	for row in rows:
		var name := row[0]
		var message_class: Variant = _class_of(row[1])
		if message_class == null:
			check.truth(false, "%s: no generated class for %s" % [name, row[1]])
			continue
		var data := FileAccess.get_file_as_bytes("res://vectors/%s.binpb" % name)
		var message: Variant = message_class.parse(data)
		check.truth(message != null, "%s decodes" % name)
		if message != null:
			check.equal(message.to_bytes().hex_encode(), data.hex_encode(), "%s re-encodes" % name)


func test_cut_vectors_are_refused(check: Variant) -> void:
	for row in _vectors():
		var data := FileAccess.get_file_as_bytes("res://vectors/%s.binpb" % row[0])
		if data.size() < 2:
			continue
		var message_class: Variant = _class_of(row[1])
		var cut := data.slice(0, data.size() - 1)
		var message: Variant = message_class.new()
		var reader := V1.ProtoWire.Reader.new(cut)
		var accepted: bool = message.merge_from(reader)
		# A cut can land on a field boundary; then it must decode to other bytes.
		var same: bool = accepted and message.to_bytes() == data
		check.truth(not same, "%s cut by one byte is not the same message" % row[0])

## Every script of the addon and the peer parses and compiles in this engine
## (a script that does not would only fail when first used).
extends RefCounted

const FOLDERS := ["res://addons/rlay", "res://peer", "res://sample"]


static func _scripts(folder: String) -> PackedStringArray:
	var found := PackedStringArray()
	for file in DirAccess.get_files_at(folder):
		if file.ends_with(".gd"):
			found.append(folder.path_join(file))
	for sub in DirAccess.get_directories_at(folder):
		found.append_array(_scripts(folder.path_join(sub)))
	return found


func test_every_script_compiles(check: Variant) -> void:
	var total := 0
	for folder in FOLDERS:
		if not DirAccess.dir_exists_absolute(folder):
			continue
		for path in _scripts(folder):
			# Editor plugins need the editor's classes, which a game build has not.
			if FileAccess.get_file_as_string(path).contains("extends EditorPlugin"):
				continue
			var script: GDScript = load(path)
			check.truth(script != null and script.can_instantiate(), "%s compiles" % path)
			total += 1
	check.truth(total >= 15, "found the scripts (%d)" % total)

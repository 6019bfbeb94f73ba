## Registers nothing beyond the two node classes (RlayEnvironment, RlayAgent),
## which class_name already adds to the Create Node dialog.
@tool
extends EditorPlugin

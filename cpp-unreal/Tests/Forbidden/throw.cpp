// Must not compile with the core's flags (-fno-exceptions): CMakeLists.txt checks it.
#include "RlayStatus.h"
int main() { throw rlay::Status::EnvError("no exceptions in the core"); }

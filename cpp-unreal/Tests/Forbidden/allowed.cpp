// The control for the snippets beside it: the same setup compiles code without them,
// so each of those fails because of its construct, not because of the setup.
#include "RlayEnvSession.h"
int main() { return rlay::Status::Success().Ok() ? 0 : 1; }

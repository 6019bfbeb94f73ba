// Must not compile with the core's flags (-fno-exceptions): CMakeLists.txt checks it.
#include "RlayStatus.h"
int main()
{
    try {
        return rlay::Status::Success().Ok() ? 0 : 1;
    } catch (...) {
        return 2;
    }
}

// Status values: the core reports every failure by returning one (no exceptions, as
// Unreal builds with exceptions off). The code is the protocol's ErrorCode, so an
// error an environment returns reaches the agent with the code and message it chose.
//
//     rlay::Status Result = Environment.Step(Actions, Out);
//     if (!Result.Ok()) Log(Result.Message);
#pragma once

#include <string>
#include <utility>

#include "RlaySession.g.h"

namespace rlay {

struct RLAYCORE_API Status {
    /// Unspecified means success.
    v1::ErrorCode Code = v1::ErrorCode::Unspecified;
    std::string Message;

    bool Ok() const { return Code == v1::ErrorCode::Unspecified; }

    static Status Success() { return Status(); }
    static Status Error(v1::ErrorCode Code, std::string Message)
    {
        Status Result;
        Result.Code = Code;
        Result.Message = std::move(Message);
        return Result;
    }
    /// The env itself failed (ERROR_CODE_ENV): the session goes on.
    static Status EnvError(std::string Message) { return Error(v1::ErrorCode::Env, std::move(Message)); }
    /// The agent sent something outside the spaces (ERROR_CODE_INVALID_ARGUMENT).
    static Status Invalid(std::string Message)
    {
        return Error(v1::ErrorCode::InvalidArgument, std::move(Message));
    }
    static Status Unimplemented(std::string Message)
    {
        return Error(v1::ErrorCode::Unimplemented, std::move(Message));
    }
};

/// True for the errors after which a session goes on (session.proto, step 2).
RLAYCORE_API bool IsRecoverable(v1::ErrorCode Code);

}  // namespace rlay

// A trainer speaking raw frames to the glue, for the glue tests.
#pragma once

#include "RlayTransport.h"
#include "RlaySession.g.h"

struct FFakeTrainer
{
	rlay::Connection Link;

	/// Sends Request and waits (bounded) for the reply; an empty response when none came.
	rlay::v1::SessionResponse Call(const rlay::v1::SessionRequest& Request)
	{
		rlay::Bytes Frame;
		rlay::EncodeFrame(Request, Frame);
		rlay::v1::SessionResponse Response;
		if (Link.SendFrame(Frame, 5000) != rlay::EIo::Ok) return Response;
		rlay::Bytes Reply;
		if (Link.ReceiveFrame(Reply, 10000, 10000, rlay::DefaultMaxFrameSize) == rlay::EIo::Ok)
		{
			Response.ParseFromArray(Reply.data(), Reply.size());
		}
		return Response;
	}
};

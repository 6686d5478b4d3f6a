package com.example.sessiondemo.ws;

import com.example.sessiondemo.feed.FeedEvent;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;

/** The server's JSON frames on /ws/stream. */
final class Frames {

  private Frames() {}

  record Connected(String type, String principal, String instance) {
    Connected(String principal, String instance) {
      this("CONNECTED", principal, instance);
    }
  }

  record Event(String type, long sequence, long timestamp, @JsonRawValue String payload) {
    Event(FeedEvent event) {
      this("EVENT", event.sequence(), event.timestamp(), event.payload());
    }
  }

  record OrderResult(String type, String orderId, String outcome) {
    OrderResult(String orderId, String outcome) {
      this("ORDER_RESULT", orderId, outcome);
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Error(String type, String message, String orderId) {
    Error(String message, String orderId) {
      this("ERROR", message, orderId);
    }
  }
}

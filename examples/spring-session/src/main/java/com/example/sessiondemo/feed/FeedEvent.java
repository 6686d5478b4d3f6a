package com.example.sessiondemo.feed;

import java.util.Map;
import org.springframework.data.redis.connection.stream.MapRecord;

/** One feed event as stored in the stream; {@code payload} is a JSON object. */
public record FeedEvent(long sequence, long timestamp, String payload) {

  static FeedEvent from(MapRecord<String, String, String> entry) {
    Map<String, String> fields = entry.getValue();
    return new FeedEvent(
        Long.parseLong(fields.get("sequence")), Long.parseLong(fields.get("timestamp")), fields.get("payload"));
  }
}

package com.example.sessiondemo.feed;

import java.util.ArrayList;
import java.util.List;
import org.springframework.data.domain.Range;
import org.springframework.data.redis.connection.Limit;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Component;

/** Reads past events back from the stream (bounded by its MAXLEN) for clients that resume. */
@Component
public class FeedHistory {

  private static final int PAGE = 500;

  private final StringRedisTemplate redis;

  public FeedHistory(StringRedisTemplate redis) {
    this.redis = redis;
  }

  /** Every event still in the stream with a sequence greater than {@code after}, oldest first. */
  public List<FeedEvent> after(long after) {
    List<FeedEvent> events = new ArrayList<>();
    long next = after + 1;
    while (true) {
      List<MapRecord<String, String, String>> page = redis.<String, String>opsForStream()
          .range(FeedKeys.STREAM, Range.rightUnbounded(Range.Bound.inclusive(next + "-0")), Limit.limit().count(PAGE));
      if (page == null || page.isEmpty()) {
        return events;
      }
      for (MapRecord<String, String, String> entry : page) {
        events.add(FeedEvent.from(entry));
      }
      if (page.size() < PAGE) {
        return events;
      }
      next = events.get(events.size() - 1).sequence() + 1;
    }
  }
}

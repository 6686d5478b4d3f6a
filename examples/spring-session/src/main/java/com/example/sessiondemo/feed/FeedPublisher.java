package com.example.sessiondemo.feed;

import com.example.sessiondemo.AppProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.ClassPathResource;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Publishes the shared feed. Every instance runs the timer; only the one holding the Redis lock (SET NX PX) publishes,
 * renewing the lease with each event. When the holder dies, the lease runs out and another instance takes over; when
 * it shuts down, it releases the lock at once.
 */
@Component
public class FeedPublisher {

  private static final Logger log = LoggerFactory.getLogger(FeedPublisher.class);

  private final StringRedisTemplate redis;
  private final ObjectMapper json;
  private final RedisScript<Long> publishScript =
      RedisScript.of(new ClassPathResource("scripts/feed-publish.lua"), Long.class);
  private final RedisScript<Long> releaseScript =
      RedisScript.of(new ClassPathResource("scripts/lock-release.lua"), Long.class);
  private final String instanceId;
  private final String token;
  private final Duration lease;
  private final long history;
  private volatile boolean leader;
  private volatile boolean stopped;

  public FeedPublisher(StringRedisTemplate redis, ObjectMapper json, AppProperties properties) {
    this.redis = redis;
    this.json = json;
    this.instanceId = properties.instanceId();
    this.token = instanceId + ":" + UUID.randomUUID();
    AppProperties.Feed feed = properties.feed();
    // The lease must outlive a few missed ticks, whatever the interval.
    this.lease = feed.lockTtl().compareTo(feed.interval().multipliedBy(3)) > 0
        ? feed.lockTtl()
        : feed.interval().multipliedBy(3);
    this.history = feed.history();
  }

  @Scheduled(fixedRateString = "${app.feed.interval}")
  public void tick() {
    if (stopped) {
      return;
    }
    try {
      if (!leader) {
        leader = Boolean.TRUE.equals(redis.opsForValue().setIfAbsent(FeedKeys.LOCK, token, lease));
        if (leader) {
          log.info("Took the feed publisher lock");
        }
      }
      if (leader) {
        publish();
      }
    } catch (DataAccessException e) {
      log.warn("Feed tick failed: {}", e.getMessage());
    }
  }

  private void publish() throws DataAccessException {
    Long sequence = redis.execute(
        publishScript,
        List.of(FeedKeys.LOCK, FeedKeys.SEQUENCE, FeedKeys.STREAM),
        token,
        String.valueOf(lease.toMillis()),
        String.valueOf(System.currentTimeMillis()),
        payload(),
        String.valueOf(history));
    if (sequence == null || sequence < 0) {
      leader = false;
      log.info("Lost the feed publisher lock");
    }
  }

  private String payload() {
    double price = Math.round(ThreadLocalRandom.current().nextDouble(90, 110) * 100) / 100.0;
    try {
      return json.writeValueAsString(Map.of("symbol", "ACME", "price", price, "publisher", instanceId));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Step down as soon as shutdown begins, so another instance takes over within one tick. */
  @EventListener(ContextClosedEvent.class)
  public void stepDown() {
    stopped = true;
    if (leader) {
      leader = false;
      try {
        redis.execute(releaseScript, List.of(FeedKeys.LOCK), token);
        log.info("Released the feed publisher lock");
      } catch (DataAccessException e) {
        log.warn("Could not release the feed publisher lock: {}", e.getMessage());
      }
    }
  }
}

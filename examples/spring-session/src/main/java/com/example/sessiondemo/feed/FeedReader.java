package com.example.sessiondemo.feed;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.stream.MapRecord;
import org.springframework.data.redis.connection.stream.ReadOffset;
import org.springframework.data.redis.connection.stream.StreamOffset;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.stream.StreamMessageListenerContainer;
import org.springframework.data.redis.stream.StreamMessageListenerContainer.StreamMessageListenerContainerOptions;
import org.springframework.data.redis.stream.StreamMessageListenerContainer.StreamReadRequest;
import org.springframework.stereotype.Component;

/**
 * This instance's single reader of the feed stream: a StreamMessageListenerContainer (one background thread doing
 * XREAD BLOCK) that hands each event to the listeners, which fan it out to this instance's WebSocket clients.
 */
@Component
public class FeedReader implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(FeedReader.class);
  private static final Duration POLL_TIMEOUT = Duration.ofSeconds(1);

  private final RedisConnectionFactory connectionFactory;
  private final StringRedisTemplate redis;
  private final List<FeedListener> listeners;
  private final AtomicLong lastSequence = new AtomicLong();
  private StreamMessageListenerContainer<String, MapRecord<String, String, String>> container;
  private ExecutorService pollThread;

  public FeedReader(RedisConnectionFactory connectionFactory, StringRedisTemplate redis, List<FeedListener> listeners) {
    this.connectionFactory = connectionFactory;
    this.redis = redis;
    this.listeners = listeners;
  }

  /** The sequence of the last event handed to the listeners (where a new client's live feed starts). */
  public long lastSequence() {
    return lastSequence.get();
  }

  @Override
  public void start() {
    String current = redis.opsForValue().get(FeedKeys.SEQUENCE);
    long start = current == null ? 0 : Long.parseLong(current);
    lastSequence.set(start);
    pollThread = Executors.newSingleThreadExecutor(task -> new Thread(task, "feed-reader"));
    var options = StreamMessageListenerContainerOptions.builder()
        .pollTimeout(POLL_TIMEOUT)
        .executor(pollThread)
        .build();
    container = StreamMessageListenerContainer.create(connectionFactory, options);
    container.register(
        StreamReadRequest.builder(StreamOffset.create(FeedKeys.STREAM, ReadOffset.from(start + "-0")))
            .cancelOnError(e -> false)
            .errorHandler(e -> log.warn("Feed read failed: {}", e.getMessage()))
            .build(),
        this::dispatch);
    container.start();
    log.info("Reading the feed after sequence {}", start);
  }

  private void dispatch(MapRecord<String, String, String> entry) {
    FeedEvent event = FeedEvent.from(entry);
    lastSequence.set(event.sequence());
    for (FeedListener listener : listeners) {
      listener.onEvent(event);
    }
  }

  @Override
  public void stop() {
    container.stop();
    container = null;
    // The container cancels the subscription but does not wait for the XREAD in flight: wait for it, so the
    // connection is back in the pool before the connection factory closes.
    pollThread.shutdown();
    try {
      pollThread.awaitTermination(POLL_TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean isRunning() {
    return container != null && container.isRunning();
  }

  /** Start before the web server accepts connections, stop after it stopped. */
  @Override
  public int getPhase() {
    return DEFAULT_PHASE - 4096;
  }
}

package com.example.sessiondemo;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/** Everything under {@code app.*} in application.properties. */
@ConfigurationProperties("app")
public record AppProperties(
    String instanceId,
    String userPassword,
    @DefaultValue("2000ms") Duration drain,
    @DefaultValue Feed feed,
    @DefaultValue Orders orders) {

  public AppProperties {
    if (instanceId == null || instanceId.isBlank()) {
      instanceId = hostname();
    }
  }

  /**
   * @param interval how often the publisher emits an event
   * @param lockTtl lease of the publisher lock, renewed on every publish
   * @param history approximate MAXLEN of the event stream (how far back a client can resume)
   * @param resumeWait how long a new connection waits for a RESUME before it gets the live feed
   * @param replayOnResume whether RESUME replays the events after the client's sequence
   */
  public record Feed(
      @DefaultValue("200ms") Duration interval,
      @DefaultValue("3000ms") Duration lockTtl,
      @DefaultValue("10000") long history,
      @DefaultValue("1000ms") Duration resumeWait,
      @DefaultValue("true") boolean replayOnResume) {}

  /** @param dedupeTtl how long an order id is remembered */
  public record Orders(@DefaultValue("24h") Duration dedupeTtl) {}

  private static String hostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "unknown";
    }
  }
}

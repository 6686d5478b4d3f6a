package com.example.sessiondemo.orders;

import com.example.sessiondemo.AppProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.annotation.Profile;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.stereotype.Service;

/**
 * FAULT {@code double-apply}: orders are still recorded in Redis, but the "seen this order id" check is a set in
 * this JVM. A client that resends an order after reconnecting to another instance gets it applied again.
 */
@Service
@Profile("double-apply")
public class LocalDedupeOrderLedger implements OrderLedger {

  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final StringRedisTemplate redis;
  private final ObjectMapper json;
  private final String instanceId;

  public LocalDedupeOrderLedger(StringRedisTemplate redis, ObjectMapper json, AppProperties properties) {
    this.redis = redis;
    this.json = json;
    this.instanceId = properties.instanceId();
  }

  @Override
  public OrderOutcome apply(String username, Order order) {
    if (!seen.add(order.orderId())) {
      return OrderOutcome.ALREADY_APPLIED;
    }
    redis.opsForHash().put(OrderLedger.appliedKey(username), order.orderId(), toJson(order));
    return OrderOutcome.APPLIED;
  }

  private String toJson(Order order) {
    try {
      return json.writeValueAsString(new AppliedOrder(
          order.orderId(), order.item(), order.quantity(), System.currentTimeMillis(), instanceId));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}

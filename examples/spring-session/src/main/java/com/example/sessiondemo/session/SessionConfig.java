package com.example.sessiondemo.session;

import java.util.Map;
import java.util.function.BiFunction;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.session.MapSession;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.data.redis.RedisSessionMapper;
import org.springframework.session.data.redis.RedisSessionRepository;

/**
 * Spring Session's documented answer to a session deleted while another request saves it ("Configuring Redis Session
 * Mapper" in the Spring Session reference): RedisSessionRepository checks that the key exists, then writes the changed
 * fields with HSET, which re-creates a key that a logout deleted in between. The stub it leaves has no creationTime;
 * the default mapper throws on it ("creationTime key must not be null", a 500 on every later request with that cookie).
 * This mapper deletes such a stub and reports no session instead, so the old cookie gets 401 and the stub is gone.
 */
@Configuration(proxyBeanMethods = false)
public class SessionConfig {

  @Bean
  SessionRepositoryCustomizer<RedisSessionRepository> redisSessionRepositoryCustomizer() {
    return (repository) -> repository.setRedisSessionMapper(new SafeRedisSessionMapper(repository));
  }

  static class SafeRedisSessionMapper implements BiFunction<String, Map<String, Object>, MapSession> {

    private final RedisSessionMapper delegate = new RedisSessionMapper();

    private final RedisSessionRepository repository;

    SafeRedisSessionMapper(RedisSessionRepository repository) {
      this.repository = repository;
    }

    @Override
    public MapSession apply(String sessionId, Map<String, Object> map) {
      try {
        return delegate.apply(sessionId, map);
      } catch (IllegalStateException partial) {
        repository.deleteById(sessionId);
        return null; // RedisSessionRepository.findById treats null as "no such session"
      }
    }
  }
}

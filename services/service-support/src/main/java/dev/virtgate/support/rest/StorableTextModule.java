package dev.virtgate.support.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/** Installs {@link StorableStringDeserializer} in the ObjectMapper Quarkus REST reads bodies with. */
@Singleton
public class StorableTextModule implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.registerModule(new SimpleModule("virtgate-storable-text")
                .addDeserializer(String.class, new StorableStringDeserializer()));
    }
}

package dev.celadon.management.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.celadon.management.VmDefinition;
import dev.celadon.management.VmException;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * VM definitions as one JSON file each ({@code <name>.json}) in a directory. Files are replaced atomically
 * (write, fsync, rename) so a crash never leaves half a definition; a corrupt file is reported and skipped
 * so the other VMs still load.
 */
final class DefinitionStore {

    record Loaded(Map<String, VmDefinition> definitions, Map<String, String> problems) {
    }

    private final Path dir;
    private final ObjectMapper json = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES); // newer versions may add fields

    DefinitionStore(Path dir) {
        this.dir = dir;
    }

    Path dir() {
        return dir;
    }

    Loaded loadAll() {
        Map<String, VmDefinition> defs = new TreeMap<>();
        Map<String, String> problems = new LinkedHashMap<>();
        if (!Files.isDirectory(dir)) {
            return new Loaded(defs, problems);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                try {
                    VmDefinition d = json.readValue(f.toFile(), VmDefinition.class);
                    d.validate();
                    String expected = file.substring(0, file.length() - ".json".length());
                    if (!expected.equals(d.name())) {
                        throw new VmException("file name says '" + expected + "' but the definition says '" + d.name() + "'");
                    }
                    defs.put(d.name(), d);
                } catch (IOException | RuntimeException e) {
                    problems.put(file, describe(e));
                }
            }
        } catch (IOException e) {
            throw new VmException("cannot read VM definitions in " + dir + ": " + e.getMessage(), e);
        }
        return new Loaded(defs, problems);
    }

    void save(VmDefinition definition) {
        Path target = dir.resolve(definition.name() + ".json");
        Path tmp = dir.resolve("." + definition.name() + ".json.tmp");
        try {
            Files.createDirectories(dir);
            byte[] bytes = json.writeValueAsBytes(definition);
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new VmException("cannot save VM " + definition.name() + " to " + target + ": " + e.getMessage(), e);
        }
    }

    void delete(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name + ".json"));
        } catch (IOException e) {
            throw new VmException("cannot delete the definition of VM " + name + ": " + e.getMessage(), e);
        }
    }

    private static String describe(Exception e) {
        if (e instanceof JsonProcessingException j) {
            return "not a valid VM definition: " + j.getOriginalMessage()
                    + (j.getLocation() != null ? " (line " + j.getLocation().getLineNr() + ")" : "");
        }
        return e.getMessage();
    }
}

/** Test support shared by Celadon's bundles: a GuestMemory over plain ByteBuffers, for tests without a backend. */
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.celadon.test.support;

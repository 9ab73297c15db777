/**
 * Virtual machine management: definitions kept as JSON, the life cycle of each VM and its console.
 * The shell and any other front end (REST, UI) use {@link dev.celadon.management.VmManager}.
 */
@org.osgi.annotation.versioning.Version("1.2.0")
package dev.celadon.management;

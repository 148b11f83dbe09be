/** amalgam: deep model fusion for the JVM. The root package holds only the error types every layer shares. */
package amalgam;

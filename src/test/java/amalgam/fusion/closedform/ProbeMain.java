package amalgam.fusion.closedform;
public class ProbeMain {
    public static void main(String[] args) {
        java.nio.file.Path root = java.nio.file.Path.of("/tmp/closed-probe");
        var merged = TinyTrainPools.fuse(root, "pool-sun397.yaml", args[0], java.util.Map.of(), 0, 2);
        System.err.println("fused " + merged.size());
    }
}

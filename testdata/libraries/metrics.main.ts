import { handler } from "./metrics.ts";
import { start } from "../../runtime/mod.ts";

start(handler);

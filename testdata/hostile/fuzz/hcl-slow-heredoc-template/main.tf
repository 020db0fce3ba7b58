i=z <<<-s
lllll
"
}llelllZ4Zr=z<<<llZ4Zr=z<<<-s
1l${"%%C%%%%%%%%%%%%%%%%m=U==K!=-s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{plllll
"
}llelllZ2Zr=%%%%%%%%%%=z<<<-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
0l${"%%C%%%%%%%%%%%%%%%%%%%%%%%*%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿n}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
0l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle$%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{plllll
"
}llelllZ2Zr=%%%%%%%%%%=z<<<-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
0l${"%%C%%%%%%%%%%%%%%%%%%%%%%%*%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿n}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
0l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
0l${"%%C%%%%%%%%%%%%%%%%%%%%%%%*%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿n}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
0l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llel
}llelllZ4Zr=%%%%%%%%%%=z<<<-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llel
}llelllZ4Zr=%%%%%%%%%%=z<<<-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
1l${"%%C%%%%%%%%%%{pl}/{p
			
}llelUUUUUU-s
0l${"%%C%%%%%%%%%%%%%%%%%%%%%%%*%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿n}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
0l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llel
}llelllZ4Zr=%%%%%%%%%%=z<<<-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llel
}llelllZ4Zr=%%%%%%%%%%=z<<<-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%*%%%%%%%.com"/null/nzn/acmn/ "te%ll
΋$
	{}
lll﻿l}/{p
		
}lle${pl}/{p
			
}llelUUUUUU-s
1l${"%%C%%%%%%%%%%%%%%%%%%%%%%%%*s.%%%UUUUU/*UU	
s		
		ll